export default { id: 'performance', title: 'performance', heading: 'performance', requires: ['nosuch'], render() {} };
